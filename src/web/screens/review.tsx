import { Text } from '@mantine/core';
import { Page } from '../components/page.js';

export function ReviewScreen() {
  return (
    <Page title="Review">
      <Text>Not built yet.</Text>
    </Page>
  );
}
