import type { Socket } from 'node:net';

/**
 * Closes a connection without lingering, so the peer sees a reset, as HAProxy
 * does for rejected connections. A socket the peer already closed cannot be
 * reset (the kernel refuses with EINVAL): it is simply destroyed.
 */
export function dropConnection(socket: Socket): void {
  socket.on('error', () => {});
  if (socket.destroyed) return;
  if (socket.readableEnded || socket.readyState !== 'open') {
    socket.destroy();
    return;
  }
  socket.resetAndDestroy();
}
