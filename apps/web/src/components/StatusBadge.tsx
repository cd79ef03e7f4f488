import { Badge, type MantineColor } from '@mantine/core';
import type { ReactNode } from 'react';

/**
 * What a status means to the operator. Each tone has a colour AND an icon, and every badge has
 * its words: colour is never the only signal (some operators do not see it, printouts lose it).
 */
export type Tone = 'ok' | 'warn' | 'error' | 'info' | 'neutral' | 'busy' | 'paused';

const path = {
  ok: 'M3.5 8.5l3 3 6-7',
  error: 'M4 4l8 8M12 4l-8 8',
  warn: 'M8 2.5L14.5 13.5H1.5z M8 6.5v3.5 M8 11.8v.2',
  info: 'M8 1.8a6.2 6.2 0 1 0 0 12.4a6.2 6.2 0 1 0 0-12.4z M8 7v4.5 M8 4.6v.2',
  neutral: 'M8 2.5a5.5 5.5 0 1 0 0 11a5.5 5.5 0 1 0 0-11z',
  busy: 'M8 2.5a5.5 5.5 0 1 0 0 11a5.5 5.5 0 1 0 0-11z M8 5v3l2 1.5',
  paused: 'M5.5 3.5v9 M10.5 3.5v9',
} as const satisfies Record<Tone, string>;

// Shades whose contrast with the badge's text (white, or black on the light ones) is at least
// 4.5:1, as WCAG AA asks of small text.
const COLOR: Record<Tone, MantineColor> = {
  ok: 'teal.9',
  error: 'red.9',
  warn: 'yellow.4',
  info: 'blue.8',
  neutral: 'gray.7',
  busy: 'cyan.9',
  paused: 'orange.3',
};

/** The colour family of a tone, for a border or a bar beside the words. */
export function toneColorName(tone: Tone): string {
  return COLOR[tone].split('.')[0] ?? 'gray';
}

/**
 * For an Alert of a light colour (yellow, green): its title in the body's text colour, since
 * Mantine's light yellow or green title on its tinted background misses WCAG AA.
 */
export const READABLE_ALERT_TITLE = { title: { color: 'var(--mantine-color-text)' } } as const;

/** The tone's icon, decorative (the words beside it say the same). */
export function ToneIcon({ tone, size = 12 }: { tone: Tone; size?: number }) {
  return (
    <svg
      width={size}
      height={size}
      viewBox="0 0 16 16"
      fill="none"
      stroke="currentColor"
      strokeWidth={2}
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
      focusable="false"
    >
      <path d={path[tone]} />
    </svg>
  );
}

/** A status in words, with its colour and icon. */
export function StatusBadge({
  tone,
  children,
  size = 'md',
}: {
  tone: Tone;
  children: ReactNode;
  size?: 'xs' | 'sm' | 'md' | 'lg';
}) {
  return (
    <Badge
      color={COLOR[tone]}
      autoContrast
      size={size}
      radius="sm"
      leftSection={<ToneIcon tone={tone} />}
      // Never cut short by a narrow table cell: the words are the point.
      style={{ textTransform: 'none', minWidth: 'max-content' }}
    >
      {children}
    </Badge>
  );
}
