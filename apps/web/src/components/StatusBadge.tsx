import { Badge } from '@mantine/core';

/**
 * A status as a badge: a symbol and the words, on a tinted background. The text is dark on every
 * tint (Mantine's light-variant text misses WCAG contrast for yellow, orange and green), so the
 * colour only repeats what the words say.
 */
export function StatusBadge({
  label,
  icon,
  color,
  size = 'md',
}: {
  label: string;
  icon: string;
  color: string;
  size?: 'sm' | 'md' | 'lg';
}) {
  return (
    <Badge
      variant="light"
      color={color}
      c="dark.7"
      size={size}
      leftSection={<span aria-hidden="true">{icon}</span>}
      style={{ textTransform: 'none' }}
    >
      {label}
    </Badge>
  );
}
