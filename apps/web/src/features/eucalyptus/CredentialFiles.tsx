import '@mantine/dropzone/styles.css';
import { Alert, Button, Group, List, Stack, Text } from '@mantine/core';
import { Dropzone } from '@mantine/dropzone';
import { useState } from 'react';
import { formatBytes } from '../../format.ts';
import { attach, FILE_LABELS, readAttachment, type Attachment } from './files.ts';

/**
 * Where the operator drops the eucarc or the credentials zip, eucalyptus.conf and cloud-pk.pem:
 * each file is recognised, bounded and listed with a way to remove it. Keyboard users open the
 * file dialog with Enter or Space on the drop area.
 */
export function CredentialFiles({
  value,
  onChange,
}: {
  value: Attachment[];
  onChange: (next: Attachment[]) => void;
}) {
  const [problems, setProblems] = useState<string[]>([]);
  const [reading, setReading] = useState(false);

  const onDrop = async (files: File[]): Promise<void> => {
    setReading(true);
    const found: string[] = [];
    let next = value;
    for (const file of files) {
      const read = await readAttachment(file);
      if ('problem' in read) {
        found.push(read.problem);
        continue;
      }
      const added = attach(next, read.attachment);
      if ('problem' in added) found.push(added.problem);
      else next = added.attachments;
    }
    setProblems(found);
    setReading(false);
    onChange(next);
  };

  return (
    <Stack gap="xs">
      <Dropzone
        onDrop={(files) => {
          void onDrop(files);
        }}
        loading={reading}
        multiple
        activateOnKeyboard
        aria-label="Drop the eucarc, the credentials zip, eucalyptus.conf or cloud-pk.pem, or press Enter to choose files"
        inputProps={{ 'aria-label': 'Credential files' }}
      >
        <Stack gap={4} align="center" py="md" style={{ pointerEvents: 'none' }}>
          <Text fw={600}>Drop the eucarc or the credentials zip here</Text>
          <Text size="sm" c="dimmed" ta="center">
            Also eucalyptus.conf (the network mode and subnets) and cloud-pk.pem (for image
            bundles), if you have them. Or click to choose files.
          </Text>
        </Stack>
      </Dropzone>
      {problems.length > 0 && (
        <Alert color="red" role="alert" title="Some files were not taken">
          <List size="sm">
            {problems.map((p) => (
              <List.Item key={p}>{p}</List.Item>
            ))}
          </List>
        </Alert>
      )}
      {value.length > 0 && (
        <section aria-label="Attached files">
          <Text size="sm" fw={600}>
            Attached
          </Text>
          <List size="sm" spacing={4} mt={4}>
            {value.map((a) => (
              <List.Item key={a.kind}>
                <Group gap="xs">
                  <Text size="sm">
                    {a.fileName} — {FILE_LABELS[a.kind]}, {formatBytes(a.size)}
                  </Text>
                  <Button
                    size="compact-xs"
                    variant="subtle"
                    color="red"
                    aria-label={`Remove ${a.fileName}`}
                    onClick={() => {
                      onChange(value.filter((x) => x.kind !== a.kind));
                    }}
                  >
                    Remove
                  </Button>
                </Group>
              </List.Item>
            ))}
          </List>
        </section>
      )}
    </Stack>
  );
}
