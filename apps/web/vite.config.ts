import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true },
  server: {
    // `npm run dev` here, with the server running on its default port.
    proxy: {
      '/api': 'http://127.0.0.1:8080',
      '/healthz': 'http://127.0.0.1:8080',
      // Live progress: the socket's handshake and its WebSocket.
      '/socket.io': { target: 'http://127.0.0.1:8080', ws: true },
    },
  },
});
