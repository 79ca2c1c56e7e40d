import {
  type CSSVariablesResolver,
  createTheme,
  darken,
  defaultVariantColorsResolver,
  parseThemeColor,
  type VariantColorsResolver,
} from '@mantine/core';

/**
 * Light variants (badges, alerts, light buttons) write their text in a darker shade than Mantine's
 * default, which falls short of WCAG AA contrast on its own tinted background for most colours.
 */
const variantColorResolver: VariantColorsResolver = (input) => {
  const colors = defaultVariantColorsResolver(input);
  if (input.variant !== 'light') return colors;
  const parsed = parseThemeColor({ color: input.color ?? input.theme.primaryColor, theme: input.theme });
  const base = parsed.isThemeColor ? input.theme.colors[parsed.color]?.[9] : parsed.value;
  return base ? { ...colors, color: darken(base, 0.35), hoverColor: darken(base, 0.35) } : colors;
};

/**
 * One look for every screen: Mantine's defaults with a darker primary shade, darker dimmed and light
 * variant text, underlined links in text and named close buttons, so every screen meets WCAG AA
 * contrast and every control has a name (checked with axe-core in the browser tests).
 */
export const theme = createTheme({
  primaryColor: 'indigo',
  primaryShade: { light: 7, dark: 5 },
  defaultRadius: 'md',
  fontFamily: 'Inter, system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
  variantColorResolver,
  components: {
    Anchor: { defaultProps: { underline: 'always' } },
    Notification: {
      defaultProps: { closeButtonProps: { 'aria-label': 'Dismiss' } },
      styles: { description: { color: 'var(--mantine-color-gray-8)' } },
    },
    Modal: { defaultProps: { closeButtonProps: { 'aria-label': 'Close' } } },
    // Page buttons named for screen readers: "Previous page", "Page 3", "Next page"…
    Pagination: {
      defaultProps: {
        getControlProps: (control: string) => ({
          'aria-label': `${control.charAt(0).toUpperCase()}${control.slice(1)} page`,
        }),
        getItemProps: (page: number) => ({ 'aria-label': `Page ${page}` }),
      },
    },
    Drawer: { defaultProps: { closeButtonProps: { 'aria-label': 'Close' } } },
  },
});

export const cssVariablesResolver: CSSVariablesResolver = () => ({
  variables: {},
  light: {
    '--mantine-color-dimmed': '#55585f',
    '--mantine-color-placeholder': '#6b6e75',
    // Field errors (message and input text) in a red that reads at AA on white.
    '--mantine-color-error': '#c92a2a',
  },
  dark: {},
});
