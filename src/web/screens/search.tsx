import { Text } from '@mantine/core';
import { Page } from '../components/page.js';

export function SearchScreen() {
  return (
    <Page title="Search">
      <Text>Not built yet.</Text>
    </Page>
  );
}
