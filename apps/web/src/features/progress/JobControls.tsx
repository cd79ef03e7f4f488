import type { ApiJob, JobStatus } from '@euca2nova/model';
import { Alert, Button, Group, Modal, Stack, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { jobAction, jobKeys, type JobAction } from '../../api/jobs/jobs.ts';
import { ACTION_LABELS } from './constants.ts';
import { allowedActions, refusalText } from './utils.ts';

const DONE_WORDS: Readonly<Record<JobAction, string>> = {
  pause: 'Paused: copies keep their bytes.',
  resume: 'Resumed.',
  cancel: 'Cancelled: what was written stays in Nova.',
  retry: 'Retrying the failed items.',
};

/** Pause, resume, cancel (confirmed) and retry, offered only when the server would accept them. */
export function JobControls({ job, status, now }: { job: ApiJob; status: JobStatus; now: number }) {
  const queryClient = useQueryClient();
  const [confirmCancel, setConfirmCancel] = useState(false);
  const action = useMutation({
    mutationFn: (a: JobAction) => jobAction(job.id, a),
    onSuccess: (next, a) => {
      queryClient.setQueryData(jobKeys.detail(job.id), next);
      void queryClient.invalidateQueries({ queryKey: jobKeys.lists() });
      notifications.show({
        message: DONE_WORDS[a],
        color: 'green',
        closeButtonProps: { 'aria-label': 'Dismiss' },
      });
      setConfirmCancel(false);
    },
    onError: () => {
      setConfirmCancel(false);
      // The refusal usually means the job moved on: show where it is now.
      void queryClient.invalidateQueries({ queryKey: jobKeys.detail(job.id), exact: true });
    },
  });
  const allowed = allowedActions(job, status, now);
  const busy = action.isPending;
  const run = (a: JobAction): void => {
    action.mutate(a);
  };
  const pending = action.isPending ? action.variables : undefined;

  return (
    <Stack gap="xs">
      <Group gap="sm">
        {(allowed.pause || allowed.pauseElsewhere) && (
          <Button
            variant="default"
            disabled={!allowed.pause || busy}
            loading={pending === 'pause'}
            onClick={() => {
              run('pause');
            }}
          >
            {ACTION_LABELS.pause}
          </Button>
        )}
        {allowed.resume && (
          <Button
            disabled={busy}
            loading={pending === 'resume'}
            onClick={() => {
              run('resume');
            }}
          >
            {ACTION_LABELS.resume}
          </Button>
        )}
        {allowed.retry && (
          <Button
            disabled={busy}
            loading={pending === 'retry'}
            onClick={() => {
              run('retry');
            }}
          >
            {ACTION_LABELS.retry}
          </Button>
        )}
        {allowed.cancel && (
          <Button
            color="red"
            variant="outline"
            disabled={busy}
            loading={pending === 'cancel'}
            onClick={() => {
              setConfirmCancel(true);
            }}
          >
            Cancel…
          </Button>
        )}
      </Group>
      {allowed.pauseElsewhere && (
        <Text size="sm" c="dimmed">
          This job runs in another euca2nova process ({job.owner ?? 'unknown'}): pause it there.
        </Text>
      )}
      {action.isError && (
        <Alert
          color="red"
          role="alert"
          title={`Could not ${ACTION_LABELS[action.variables].toLowerCase()}`}
          withCloseButton
          closeButtonLabel="Dismiss"
          onClose={() => {
            action.reset();
          }}
        >
          {refusalText(action.variables, action.error)}
        </Alert>
      )}
      <Modal
        opened={confirmCancel}
        onClose={() => {
          setConfirmCancel(false);
        }}
        title="Cancel this migration?"
        centered
        closeButtonProps={{ 'aria-label': 'Close' }}
      >
        <Stack>
          <Text size="sm">
            Cancelling is final: the run stops at its next step and cannot be resumed.
          </Text>
          <Text size="sm">
            What was already written into Nova stays there. A new job of the same plan continues
            from it, so nothing is written twice.
          </Text>
          <Group justify="flex-end">
            <Button
              variant="default"
              onClick={() => {
                setConfirmCancel(false);
              }}
            >
              Do not cancel
            </Button>
            <Button
              color="red"
              loading={pending === 'cancel'}
              onClick={() => {
                run('cancel');
              }}
            >
              {ACTION_LABELS.cancel}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Stack>
  );
}
