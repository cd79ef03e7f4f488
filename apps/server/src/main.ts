import closeWithGrace from 'close-with-grace';
import { ConfigError, loadConfig } from './config.ts';
import { startServer } from './server.ts';

try {
  const config = loadConfig();
  const server = await startServer(config);
  closeWithGrace({ delay: 10_000 }, async ({ err }) => {
    if (err) process.stderr.write(`[euca2nova] stopping after an error: ${err.message}\n`);
    await server.close();
  });
  process.stdout.write(
    `\neuca2nova is running at ${server.url}\n` +
      `State database: ${server.app.runtime.stateDb.kind} (${server.app.runtime.stateDb.displayUrl})\n` +
      (server.app.runtime.demoEucalyptus
        ? `Demo Eucalyptus ${server.app.runtime.demoEucalyptus.eucaVersion}: ${server.app.runtime.demoEucalyptus.urls.ec2} (its eucarc: ${server.app.runtime.demoEucalyptus.files.eucarc})\n`
        : '') +
      'Open the address in a browser. Stop with Ctrl+C.\n\n',
  );
} catch (e) {
  if (e instanceof ConfigError) {
    process.stderr.write(`${e.message}\nSee .env.example for every variable and its default.\n`);
    process.exit(2);
  }
  process.stderr.write(
    `euca2nova could not start: ${e instanceof Error ? e.message : String(e)}\n`,
  );
  process.exit(1);
}
