import { Text } from '@mantine/core';
import { Page } from '../components/page.js';

export function RunDetailScreen() {
  return (
    <Page title="Run">
      <Text>Not built yet.</Text>
    </Page>
  );
}
