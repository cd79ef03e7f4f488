import { zodResolver } from '@hookform/resolvers/zod';
import {
  NovaConnectionRequestSchema,
  type Connection,
  type NovaConnectionRequest,
} from '@euca2nova/model';
import { Button, Card, Group, PasswordInput, Stack, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useForm } from 'react-hook-form';
import { connectionKeys, createNovaConnection } from '../../api/connections/connections.ts';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';

/**
 * A new Nova connection. The database URL may carry a password, so it is typed into a masked
 * field and, once saved, never shown again: the stored connection shows host, port, database,
 * user and "password stored".
 */
export function NovaForm({
  defaultImagesPath,
  onSaved,
}: {
  defaultImagesPath: string;
  onSaved: (connection: Connection) => void;
}) {
  const queryClient = useQueryClient();
  const form = useForm<NovaConnectionRequest>({
    resolver: zodResolver(NovaConnectionRequestSchema),
    defaultValues: { databaseUrl: '', imagesPath: defaultImagesPath },
    reValidateMode: 'onBlur',
  });
  const { errors } = form.formState;
  const save = useMutation({
    mutationFn: createNovaConnection,
    onSuccess: async (connection) => {
      // The URL (and its password) leaves the page's memory with the form.
      form.reset({ databaseUrl: '', imagesPath: defaultImagesPath });
      await queryClient.invalidateQueries({ queryKey: connectionKeys.lists() });
      onSaved(connection);
    },
  });
  return (
    <Card withBorder component="section" aria-labelledby="nova-form-title">
      <form
        noValidate
        onSubmit={(e) => {
          void form.handleSubmit((body) => {
            save.mutate(body);
          })(e);
        }}
      >
        <Stack gap="md">
          <Title order={3} size="h4" id="nova-form-title">
            Connect the Nova database
          </Title>
          <Text size="sm">
            The Bexar (2011.1) nova database the cloud moves into, and where nova-objectstore keeps
            its images, as seen from this host.
          </Text>
          <PasswordInput
            label="Nova database URL"
            description="postgres://user:password@host:5432/nova — stored sealed; the password is never shown again."
            placeholder="postgres://nova:…@db.example.org:5432/nova"
            autoComplete="off"
            withAsterisk
            error={errors.databaseUrl?.message}
            {...form.register('databaseUrl')}
          />
          <TextInput
            label="Images path"
            description="nova-objectstore’s images_path, mounted on this host (e.g. /var/lib/nova/images)."
            placeholder="/var/lib/nova/images"
            withAsterisk
            error={errors.imagesPath?.message}
            {...form.register('imagesPath')}
          />
          {save.isError && (
            <ErrorAlert
              error={save.error}
              title="The connection was not saved"
              remedy="Correct what the message names and save again."
            />
          )}
          <Group>
            <Button type="submit" loading={save.isPending}>
              Save and test
            </Button>
          </Group>
        </Stack>
      </form>
    </Card>
  );
}
