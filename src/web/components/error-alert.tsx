import { Alert, type AlertProps, List, Text } from '@mantine/core';
import { ApiError, errorMessage } from '../api.js';

/**
 * A failure shown so a person can act on it: the API's message, each field it named, and the
 * request id to quote when asking for help with an unexpected error.
 */
export function ErrorAlert({
  error,
  title,
  ...props
}: { error: unknown; title?: string } & Omit<AlertProps, 'title'>) {
  if (!error) return null;
  const api = error instanceof ApiError ? error : null;
  return (
    <Alert color="red" variant="light" role="alert" title={title ?? titleOf(api)} {...props}>
      <Text size="sm">{errorMessage(error)}</Text>
      {api && api.fields.length > 1 && (
        <List size="sm" mt="xs">
          {api.fields.map((f) => (
            <List.Item key={f.field}>
              <b>{f.field}</b>: {f.message}
            </List.Item>
          ))}
        </List>
      )}
      {api?.status === 500 && api.requestId && (
        <Text size="xs" mt="xs">
          Request id {api.requestId}
        </Text>
      )}
    </Alert>
  );
}

function titleOf(api: ApiError | null): string {
  if (!api) return 'Something went wrong';
  switch (api.code) {
    case 'forbidden':
      return 'Not allowed';
    case 'not_connected':
      return 'Affinity is not connected';
    case 'busy':
      return 'Busy';
    case 'network':
      return 'No answer from the server';
    case 'bad_request':
      return 'Please check the form';
    default:
      return api.status >= 500 ? 'Server error' : 'Refused';
  }
}
