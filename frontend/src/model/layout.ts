/** Node geometry on the canvas (auto-layout itself is in auto-layout.ts, loaded on first use). */

/** Every canvas node has this size (styles.css `.step-node`), so handle positions are known before any render. */
export const NODE_WIDTH = 180;
export const NODE_HEIGHT = 84;
/** The rendered size of a handle (styles.css `.react-flow__handle`). */
export const HANDLE_SIZE = 10;
