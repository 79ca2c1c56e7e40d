import { Text } from '@mantine/core';
import { Page } from '../components/page.js';

export function IntegrationsScreen() {
  return (
    <Page title="Integrations">
      <Text>Not built yet.</Text>
    </Page>
  );
}
