import { Button, Text } from '@mantine/core';
import { Link } from 'react-router';
import { Page } from '../components/page.js';

/** A path no screen has. */
export function NotFoundScreen() {
  return (
    <Page title="Page not found">
      <Text>There is no page at this address.</Text>
      <Button component={Link} to="/integrations" w="fit-content">
        Go to Integrations
      </Button>
    </Page>
  );
}
