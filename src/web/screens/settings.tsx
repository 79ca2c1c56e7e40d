import { Text } from '@mantine/core';
import { Page } from '../components/page.js';

export function SettingsScreen() {
  return (
    <Page title="Settings">
      <Text>Not built yet.</Text>
    </Page>
  );
}
