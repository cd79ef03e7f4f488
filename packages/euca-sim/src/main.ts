// Stand-alone entry point for manual runs: `npx tsx packages/euca-sim/src/main.ts --port 8773`.
// The euca2nova CLI mounts createSimCommand() as its `sim` sub-command.
import { createSimCommand } from './command.ts';

await createSimCommand().parseAsync(process.argv);
