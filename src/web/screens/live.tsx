import { Text } from '@mantine/core';
import { Page } from '../components/page.js';

export function LiveScreen() {
  return (
    <Page title="You're live">
      <Text>Not built yet.</Text>
    </Page>
  );
}
