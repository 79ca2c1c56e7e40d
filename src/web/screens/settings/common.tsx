import {
  Alert,
  type AlertProps,
  Badge,
  Button,
  Code,
  CopyButton,
  Group,
  Modal,
  Stack,
  Text,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { type CSSProperties, type ReactNode, useState } from 'react';

/** A date and time in the reader's locale and zone, or a dash. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** "in 5 min", "3 h ago": how far a time is from now, for a glance. */
export function relativeTime(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '';
  const diff = new Date(iso).getTime() - now;
  const abs = Math.abs(diff);
  const units: [number, Intl.RelativeTimeFormatUnit][] = [
    [86_400_000, 'day'],
    [3_600_000, 'hour'],
    [60_000, 'minute'],
  ];
  const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
  for (const [ms, unit] of units) {
    if (abs >= ms) return rtf.format(Math.round(diff / ms), unit);
  }
  return diff >= 0 ? 'in under a minute' : 'just now';
}

/** A number with the reader's thousands separators. */
export function formatNumber(n: number | null | undefined): string {
  return n === null || n === undefined ? '—' : n.toLocaleString();
}

/** A secret shown once with a button that copies it. */
export function SecretValue({ value, label }: { value: string; label: string }) {
  return (
    <Group gap="xs" wrap="nowrap" align="flex-start">
      <Code
        block
        style={{ wordBreak: 'break-all', whiteSpace: 'pre-wrap', flex: 1 }}
        data-testid="secret-value"
      >
        {value}
      </Code>
      <CopyButton value={value}>
        {({ copied, copy }) => (
          <Button variant="default" onClick={copy} aria-label={copied ? `${label} copied` : `Copy ${label}`}>
            {copied ? 'Copied' : 'Copy'}
          </Button>
        )}
      </CopyButton>
    </Group>
  );
}

/**
 * A button that asks before it acts: a dialog naming what will happen, with the action and Cancel.
 * The dialog closes once the action has succeeded; a failure stays for the caller to show.
 */
export function ConfirmButton({
  label,
  title,
  children,
  confirmLabel,
  onConfirm,
  loading,
  disabled,
  color = 'red',
  size = 'xs',
  variant = 'light',
  ariaLabel,
}: {
  label: string;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  onConfirm: () => Promise<unknown>;
  loading?: boolean;
  disabled?: boolean;
  color?: string;
  size?: 'xs' | 'sm';
  variant?: 'light' | 'default' | 'filled' | 'subtle';
  ariaLabel?: string;
}) {
  const [opened, setOpened] = useState(false);
  return (
    <>
      <Button
        size={size}
        variant={variant}
        color={color}
        disabled={disabled ?? false}
        onClick={() => setOpened(true)}
        {...(ariaLabel ? { 'aria-label': ariaLabel } : {})}
      >
        {label}
      </Button>
      <Modal
        opened={opened}
        onClose={() => setOpened(false)}
        title={title}
        centered
        closeButtonProps={{ 'aria-label': 'Close' }}
      >
        <Stack>
          <Text size="sm" component="div">
            {children}
          </Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setOpened(false)}>
              Cancel
            </Button>
            <Button
              color={color}
              loading={loading ?? false}
              onClick={() => {
                onConfirm().then(
                  () => setOpened(false),
                  () => setOpened(false),
                );
              }}
            >
              {confirmLabel}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}

/** A random password a person can be given once (16 characters from an unambiguous alphabet). */
export function generatePassword(length = 16): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
  const bytes = new Uint32Array(length);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
}

/**
 * A status as a badge: its colour for a glance, its word in dark text so it reads at any colour
 * (light colours on their tint fall short of WCAG AA contrast at badge size).
 */
export function StatusBadge({ status, color }: { status: string; color: string }) {
  return (
    <Badge color={color} variant="light" style={{ color: 'var(--mantine-color-dark-7)' }}>
      {status}
    </Badge>
  );
}

/** A short confirmation in the corner, with a labelled close button. */
export function notify(message: string, color = 'green'): void {
  notifications.show({ color, message, closeButtonProps: { 'aria-label': 'Close' } });
}

/** A success (or other light) alert whose title is dark text, so it meets AA contrast on its tint. */
export function NoteAlert(props: AlertProps) {
  return <Alert color="green" {...props} styles={{ title: { color: 'var(--mantine-color-dark-7)' } }} />;
}

/** Field errors (message and input text) in a red that reads at AA on white; Mantine's default does not. */
export const readableErrors = { '--mantine-color-error': '#c92a2a' } as CSSProperties;
