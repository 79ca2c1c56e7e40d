import { Text } from '@mantine/core';
import { Page } from '../components/page.js';

export function PushSetupScreen() {
  return (
    <Page title="Push setup">
      <Text>Not built yet.</Text>
    </Page>
  );
}
