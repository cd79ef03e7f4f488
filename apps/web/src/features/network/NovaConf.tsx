import { Button, Code, CopyButton, Group, Stack, Text, Title } from '@mantine/core';

/** The nova.conf network flags, ready to paste, with a copy button. */
export function NovaConf({ text }: { text: string }) {
  return (
    <Stack gap="xs" component="section" aria-labelledby="nova-conf-title">
      <Group justify="space-between" align="flex-end">
        <div>
          <Title order={3} size="h4" id="nova-conf-title">
            nova.conf network flags
          </Title>
          <Text size="sm" c="dimmed">
            Set these in nova.conf on the Nova hosts after the run, before starting Nova.
          </Text>
        </div>
        <CopyButton value={text}>
          {({ copied, copy }) => (
            <Button
              size="xs"
              variant={copied ? 'filled' : 'default'}
              color={copied ? 'green.8' : undefined}
              onClick={copy}
            >
              {copied ? 'Copied' : 'Copy the flags'}
            </Button>
          )}
        </CopyButton>
      </Group>
      <Code block data-testid="nova-conf">
        {text}
      </Code>
    </Stack>
  );
}
