import { zodResolver } from '@hookform/resolvers/zod';
import { NETWORK_MODES, type Connection, type SourceConnectionRequest } from '@euca2nova/model';
import {
  Button,
  Card,
  Fieldset,
  Group,
  PasswordInput,
  Select,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Controller, useForm, useWatch } from 'react-hook-form';
import { connectionKeys, createEucalyptusConnection } from '../../api/connections/connections.ts';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { CredentialFiles } from './CredentialFiles.tsx';
import { SourceFormSchema, type SourceFormValues } from './utils.ts';

const NETWORK_MODE_HELP: Readonly<Record<(typeof NETWORK_MODES)[number], string>> = {
  SYSTEM: 'SYSTEM (instances on the hosts’ own network)',
  STATIC: 'STATIC (fixed addresses from a list)',
  MANAGED: 'MANAGED (security groups as VLANs)',
  'MANAGED-NOVLAN': 'MANAGED-NOVLAN (security groups without VLANs)',
  EDGE: 'EDGE (4.x)',
  VPCMIDO: 'VPCMIDO (4.x, MidoNet)',
};

/**
 * A new Eucalyptus connection: endpoints and the admin's keys typed in, or files dropped (fields
 * typed win over what a eucarc says). Saving stores it (secrets sealed on the server) and hands
 * the stored connection on to be tested.
 */
export function SourceForm({
  defaults,
  onSaved,
}: {
  defaults: SourceFormValues;
  onSaved: (connection: Connection) => void;
}) {
  const queryClient = useQueryClient();
  const form = useForm<SourceFormValues, unknown, SourceConnectionRequest>({
    resolver: zodResolver(SourceFormSchema),
    defaultValues: defaults,
    mode: 'onSubmit',
    reValidateMode: 'onBlur',
  });
  const { errors } = form.formState;
  const save = useMutation({
    mutationFn: createEucalyptusConnection,
    onSuccess: async (connection) => {
      await queryClient.invalidateQueries({ queryKey: connectionKeys.lists() });
      onSaved(connection);
    },
  });
  const attachments = useWatch({ control: form.control, name: 'attachments' });
  const hasConf = attachments.some((a) => a.kind === 'eucalyptusConf');
  const hasRc = attachments.some((a) => a.kind === 'eucarc' || a.kind === 'credentialsZipBase64');

  return (
    <Card withBorder component="section" aria-labelledby="source-form-title">
      <form
        noValidate
        onSubmit={(e) => {
          void form.handleSubmit((request) => {
            save.mutate(request);
          })(e);
        }}
      >
        <Stack gap="md">
          <Title order={3} size="h4" id="source-form-title">
            Connect a Eucalyptus cloud
          </Title>
          <Text size="sm">
            Drop the cloud administrator’s eucarc or credentials zip, or type the endpoints and
            keys. Anything typed here wins over what a dropped eucarc says.
          </Text>
          <Controller
            control={form.control}
            name="attachments"
            render={({ field }) => (
              <CredentialFiles value={field.value} onChange={field.onChange} />
            )}
          />
          <TextInput
            label="Name of this cloud"
            description="Optional; you type it again to confirm the cutover. Without one, the EC2 host name is used."
            error={errors.name?.message}
            {...form.register('name')}
          />
          <Fieldset legend={hasRc ? 'Endpoints (optional: the eucarc has them)' : 'Endpoints'}>
            <Stack gap="sm">
              <TextInput
                label="EC2 URL"
                placeholder="http://clc.example.org:8773/services/Eucalyptus"
                withAsterisk={!hasRc}
                error={errors.ec2Url?.message}
                {...form.register('ec2Url')}
              />
              <SimpleGrid cols={{ base: 1, md: 2 }}>
                <TextInput
                  label="Walrus (S3) URL"
                  placeholder="http://walrus.example.org:8773/services/Walrus"
                  error={errors.s3Url?.message}
                  {...form.register('s3Url')}
                />
                <TextInput
                  label="Euare URL"
                  description="3.x only"
                  placeholder="http://clc.example.org:8773/services/Euare"
                  error={errors.euareUrl?.message}
                  {...form.register('euareUrl')}
                />
              </SimpleGrid>
            </Stack>
          </Fieldset>
          <Fieldset legend={hasRc ? 'Admin keys (optional: the eucarc has them)' : 'Admin keys'}>
            <SimpleGrid cols={{ base: 1, md: 2 }}>
              <TextInput
                label="Access key"
                autoComplete="off"
                withAsterisk={!hasRc}
                error={errors.accessKey?.message}
                {...form.register('accessKey')}
              />
              <PasswordInput
                label="Secret key"
                autoComplete="off"
                withAsterisk={!hasRc}
                description="Stored sealed on the server; never shown again."
                error={errors.secretKey?.message}
                {...form.register('secretKey')}
              />
            </SimpleGrid>
          </Fieldset>
          <Fieldset legend="Optional">
            <Stack gap="sm">
              <PasswordInput
                label="Controller database URL"
                description="postgres://… of the cloud controller’s database (3.x): owners, VM types and fixed IPs the API does not show. It may hold a password; it is never shown again."
                autoComplete="off"
                error={errors.controllerDbUrl?.message}
                {...form.register('controllerDbUrl')}
              />
              {!hasConf && (
                <Controller
                  control={form.control}
                  name="networkMode"
                  render={({ field }) => (
                    <Select
                      label="Network mode"
                      description="Without eucalyptus.conf: the VNET_MODE this cloud runs in, if you know it. Empty: found from the cloud where it can be."
                      placeholder="Find it from the cloud"
                      clearable
                      data={NETWORK_MODES.map((m) => ({ value: m, label: NETWORK_MODE_HELP[m] }))}
                      value={field.value === '' ? null : field.value}
                      onChange={(v) => {
                        field.onChange(v ?? '');
                      }}
                      error={errors.networkMode?.message}
                    />
                  )}
                />
              )}
            </Stack>
          </Fieldset>
          {save.isError && (
            <ErrorAlert
              error={save.error}
              title="The connection was not saved"
              remedy="Correct what the message names and save again."
            />
          )}
          <Group>
            <Button type="submit" loading={save.isPending}>
              Save and test connection
            </Button>
          </Group>
        </Stack>
      </form>
    </Card>
  );
}
