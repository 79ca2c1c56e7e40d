import { Badge, type BadgeProps } from '@mantine/core';
import type { ReactNode } from 'react';

/** Text colours for tints whose darkest shade is still too light to read on them (or on a striped row). */
const textColor: Record<string, string> = {
  yellow: '#5c3d00',
  orange: '#8a2c00',
  lime: '#2b5a00',
  teal: '#03543c',
  green: '#1f5f25',
  cyan: '#0a4f5c',
};

/**
 * A light badge whose text is a dark shade of its colour, so it stays readable (WCAG AA) on its
 * tinted background whatever the colour.
 */
export function Tag({
  color = 'gray',
  children,
  ...props
}: BadgeProps & { color?: string; children: ReactNode }) {
  return (
    <Badge variant="light" color={color} c={textColor[color] ?? `${color}.9`} {...props}>
      {children}
    </Badge>
  );
}
