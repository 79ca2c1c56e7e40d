import { type CSSVariablesResolver, createTheme } from '@mantine/core';

/**
 * One look for every screen: Mantine's defaults with a darker primary shade, dimmed text and
 * underlined links in text, so every screen meets WCAG AA contrast and links are told apart
 * without colour (checked with axe-core in the browser tests).
 */
export const theme = createTheme({
  primaryColor: 'indigo',
  primaryShade: { light: 7, dark: 5 },
  defaultRadius: 'md',
  fontFamily: 'Inter, system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
  components: {
    Anchor: { defaultProps: { underline: 'always' } },
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
