import { Text, Title } from '@mantine/core';

export function JobsPage() {
  return (
    <>
      <Title order={2}>Past jobs</Title>
      <Text>Not built yet.</Text>
    </>
  );
}
