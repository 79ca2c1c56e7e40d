import { Text } from '@mantine/core';
import { Page } from '../components/page.js';

export function ConnectScreen() {
  return (
    <Page title="Connect Affinity">
      <Text>Not built yet.</Text>
    </Page>
  );
}
