import { Text } from '@mantine/core';
import { Page } from '../components/page.js';

export function PullSetupScreen() {
  return (
    <Page title="Pull setup">
      <Text>Not built yet.</Text>
    </Page>
  );
}
