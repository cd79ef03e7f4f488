import type { JobProgress, LogLine } from '@euca2nova/model';
import { Box, Button, Checkbox, Group, Text, Title } from '@mantine/core';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useMemo, useRef, useState } from 'react';
import { formatCount } from '../../format.ts';
import { LOG_LEVEL_LOOK } from './constants.ts';
import { mergeLogs, type LogLevel } from './utils.ts';

const LEVELS: readonly LogLevel[] = ['error', 'warn', 'info', 'debug'];
/** Debug lines are one per item written: there on request. */
const DEFAULT_LEVELS: LogLevel[] = ['error', 'warn', 'info'];
const LINE_HEIGHT = 22;
/** How close to the end counts as "at the newest line" (a few pixels of rounding). */
const BOTTOM_SLACK = 24;

const LEVEL_STYLE: Readonly<Record<LogLevel, { icon: string; c: string }>> = {
  error: { icon: '✗', c: 'red.9' },
  warn: { icon: '⚠', c: 'dark.7' },
  info: { icon: 'ℹ', c: 'gray.7' },
  debug: { icon: '·', c: 'gray.7' },
};

function time(iso: string): string {
  return new Date(iso).toLocaleTimeString('en-GB', { hour12: false });
}

function Line({ line }: { line: LogLine }) {
  const style = LEVEL_STYLE[line.level];
  return (
    <Group gap="xs" wrap="nowrap" align="flex-start" px="xs" py={1} data-level={line.level}>
      <Text size="xs" ff="monospace" c="gray.7" style={{ flexShrink: 0 }}>
        {time(line.at)}
      </Text>
      <Text size="xs" fw={700} c={style.c} w={72} style={{ flexShrink: 0 }}>
        <span aria-hidden="true">{style.icon}</span> {LOG_LEVEL_LOOK[line.level].label}
      </Text>
      <Text size="xs" ff="monospace" style={{ wordBreak: 'break-word' }}>
        {line.text}
      </Text>
    </Group>
  );
}

/**
 * The job's log as it grows: info and above, and debug on request, merged by seq. It follows the
 * newest line unless the operator scrolled up to read; then it stays put and offers the way back.
 */
export function LiveLog({ progress }: { progress: JobProgress }) {
  const [levels, setLevels] = useState<string[]>(DEFAULT_LEVELS);
  const [follow, setFollow] = useState(true);
  const all = useMemo(() => mergeLogs(progress), [progress]);
  const lines = useMemo(() => all.filter((l) => levels.includes(l.level)), [all, levels]);
  const scroller = useRef<HTMLDivElement>(null);
  // TanStack Virtual hands back functions that are not memoisable; this app does not run the React
  // Compiler, so its warning does not apply.
  // eslint-disable-next-line react-hooks/incompatible-library -- see above
  const virtualizer = useVirtualizer({
    count: lines.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => LINE_HEIGHT,
    overscan: 20,
  });

  useEffect(() => {
    if (follow && lines.length > 0) virtualizer.scrollToIndex(lines.length - 1, { align: 'end' });
  }, [follow, lines.length, virtualizer]);

  const items = virtualizer.getVirtualItems();
  return (
    <section aria-labelledby="log-title">
      <Group justify="space-between" align="flex-end" mb="xs">
        <Title order={3} size="h4" id="log-title">
          Log
        </Title>
        <Checkbox.Group label="Show" value={levels} onChange={setLevels}>
          <Group gap="md" mt={4}>
            {LEVELS.map((l) => (
              <Checkbox key={l} value={l} label={LOG_LEVEL_LOOK[l].label} size="xs" />
            ))}
          </Group>
        </Checkbox.Group>
      </Group>
      {progress.logDropped > 0 && (
        <Text size="xs" c="dimmed" mb={4} data-testid="log-dropped">
          {formatCount(progress.logDropped)} older lines not kept here (the downloads of the report
          keep the outcome of every item).
        </Text>
      )}
      <Box
        ref={scroller}
        h={320}
        tabIndex={0}
        role="region"
        aria-label="Log lines, scrollable"
        data-testid="log"
        style={{
          overflow: 'auto',
          border: '1px solid var(--mantine-color-gray-3)',
          background: 'var(--mantine-color-gray-0)',
        }}
        onScroll={(e) => {
          const el = e.currentTarget;
          const atEnd = el.scrollHeight - el.scrollTop - el.clientHeight < BOTTOM_SLACK;
          if (atEnd !== follow) setFollow(atEnd);
        }}
      >
        {lines.length === 0 ? (
          <Text size="sm" c="dimmed" p="sm">
            {all.length === 0 ? 'No lines yet.' : 'No lines at the levels chosen.'}
          </Text>
        ) : (
          <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
            {items.map((v) => {
              const line = lines[v.index];
              if (line === undefined) return null;
              return (
                <div
                  key={line.seq}
                  data-index={v.index}
                  ref={virtualizer.measureElement}
                  style={{
                    position: 'absolute',
                    top: 0,
                    left: 0,
                    width: '100%',
                    transform: `translateY(${String(v.start)}px)`,
                  }}
                >
                  <Line line={line} />
                </div>
              );
            })}
          </div>
        )}
      </Box>
      <Group justify="space-between" mt={4}>
        <Text size="xs" c="dimmed">
          {formatCount(lines.length)} of {formatCount(all.length)} lines shown
        </Text>
        {!follow && (
          <Button
            size="compact-xs"
            variant="default"
            onClick={() => {
              setFollow(true);
            }}
          >
            Follow the newest line
          </Button>
        )}
      </Group>
    </section>
  );
}
