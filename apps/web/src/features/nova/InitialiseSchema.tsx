import { Alert, Button, Group, Modal, Stack, Text } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { connectionKeys, initialiseNova } from '../../api/connections/connections.ts';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';

/**
 * An empty database given Bexar's schema from here: for trials only, behind a warning and a
 * confirmation. The answer is the database tested again.
 */
export function InitialiseSchema({ id, database }: { id: string; database: string }) {
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const init = useMutation({
    mutationFn: () => initialiseNova(id),
    onSuccess: (result) => {
      queryClient.setQueryData(connectionKeys.test(id), result);
      setConfirming(false);
    },
  });
  return (
    <Alert color="yellow" title="For trials: create Bexar’s schema here" role="note">
      <Stack gap="xs">
        <Text size="sm">
          This database is empty. A real Nova creates its own schema when it is installed (
          <Text span ff="monospace" size="sm">
            nova-manage db sync
          </Text>
          ), and that is the one to migrate into. Creating the schema from here is for trying
          euca2nova out on a scratch database.
        </Text>
        <Group>
          <Button
            color="yellow.4"
            autoContrast
            onClick={() => {
              setConfirming(true);
            }}
          >
            Create Nova’s Bexar schema
          </Button>
        </Group>
      </Stack>
      <Modal
        opened={confirming}
        onClose={() => {
          setConfirming(false);
        }}
        title="Create the Bexar schema?"
        closeButtonProps={{ 'aria-label': 'Close without creating the schema' }}
      >
        <Stack gap="sm">
          <Text size="sm">
            euca2nova will create Nova 2011.1’s tables in the database <b>{database}</b>. Do this
            only on a database meant for a trial: a Nova installed for real makes its own schema
            with nova-manage db sync.
          </Text>
          {init.isError && <ErrorAlert error={init.error} title="The schema was not created" />}
          <Group justify="flex-end">
            <Button
              variant="default"
              onClick={() => {
                setConfirming(false);
              }}
            >
              Cancel
            </Button>
            <Button
              color="yellow.4"
              autoContrast
              loading={init.isPending}
              onClick={() => {
                init.mutate();
              }}
            >
              Create the schema
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Alert>
  );
}
