import { Text } from '@mantine/core';
import { Page } from '../components/page.js';

export function CrmScreen() {
  return (
    <Page title="My CRM">
      <Text>Not built yet.</Text>
    </Page>
  );
}
