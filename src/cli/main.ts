import { main } from './program.js';

const code = await main(process.argv);
// Long-running commands (serve, emulator) keep the process alive themselves.
if (code !== 0) process.exit(code);
