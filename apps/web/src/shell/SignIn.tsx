import { Alert, Button, Card, PasswordInput, Stack, Text, Title } from '@mantine/core';
import { MIN_OPERATOR_PASSWORD_LENGTH, type SessionState } from '@euca2nova/model';
import { useMutation } from '@tanstack/react-query';
import { useState, type SubmitEvent } from 'react';
import { signIn } from '../api/session.ts';

/** The first page until the operator has signed in: set the password once, then sign in with it. */
export function SignIn({
  passwordSet,
  onSignedIn,
}: {
  passwordSet: boolean;
  onSignedIn: (state: SessionState) => void;
}) {
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const mutation = useMutation({
    mutationFn: () => signIn(password, !passwordSet),
    onSuccess: onSignedIn,
  });

  const submit = (event: SubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!passwordSet && password.length < MIN_OPERATOR_PASSWORD_LENGTH) {
      setProblem(`Use at least ${String(MIN_OPERATOR_PASSWORD_LENGTH)} characters.`);
      return;
    }
    if (!passwordSet && password !== repeat) {
      setProblem('The two passwords differ.');
      return;
    }
    setProblem(null);
    mutation.mutate();
  };

  const title = passwordSet ? 'Sign in' : 'Set the operator password';
  return (
    <Card withBorder component="section" aria-labelledby="sign-in-title" maw={420}>
      <form onSubmit={submit} noValidate>
        <Stack gap="sm">
          <Title order={2} size="h3" id="sign-in-title">
            {title}
          </Title>
          {!passwordSet && (
            <Text size="sm">
              This is the first start: choose the password that guards euca2nova (at least{' '}
              {MIN_OPERATOR_PASSWORD_LENGTH} characters). It can also come from
              EUCA2NOVA_OPERATOR_PASSWORD.
            </Text>
          )}
          <PasswordInput
            label="Password"
            autoComplete={passwordSet ? 'current-password' : 'new-password'}
            value={password}
            onChange={(e) => {
              setPassword(e.currentTarget.value);
            }}
            autoFocus
          />
          {!passwordSet && (
            <PasswordInput
              label="Repeat the password"
              autoComplete="new-password"
              value={repeat}
              onChange={(e) => {
                setRepeat(e.currentTarget.value);
              }}
            />
          )}
          {(problem ?? mutation.error) && (
            <Alert color="red" role="alert">
              {problem ?? mutation.error?.message}
            </Alert>
          )}
          <Button type="submit" loading={mutation.isPending}>
            {passwordSet ? 'Sign in' : 'Set password and sign in'}
          </Button>
        </Stack>
      </form>
    </Card>
  );
}
