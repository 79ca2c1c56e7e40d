import { Group, Stack, Text, Title } from '@mantine/core';
import { type ReactNode, useEffect } from 'react';

/**
 * A screen's heading (the page's one h2, under the app's h1), an optional line under it, actions on
 * the right, then the screen. Sets the document title so each screen has its own in history.
 */
export function Page({
  title,
  description,
  actions,
  children,
}: {
  title: string;
  description?: ReactNode;
  actions?: ReactNode;
  children: ReactNode;
}) {
  useEffect(() => {
    document.title = `${title} · affinity-sync`;
  }, [title]);
  return (
    <Stack gap="md" maw={1200} mx="auto">
      <Group justify="space-between" align="flex-start" wrap="wrap">
        <div>
          <Title order={2}>{title}</Title>
          {description && (
            <Text c="dimmed" size="sm" mt={4}>
              {description}
            </Text>
          )}
        </div>
        {actions && <Group gap="xs">{actions}</Group>}
      </Group>
      {children}
    </Stack>
  );
}
