import { Text } from '@mantine/core';

export function SetupScreen() {
  return <Text>Not built yet.</Text>;
}
