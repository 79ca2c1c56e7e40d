import { Text } from '@mantine/core';
import { Page } from '../components/page.js';

export function ActivityScreen() {
  return (
    <Page title="Integration activity">
      <Text>Not built yet.</Text>
    </Page>
  );
}
