// Preload (node --import) that makes this process and its worker threads look
// like Termux's node: process.platform === 'android'. koffi then looks for its
// android-x64 module, which does not exist, and throws "Cannot find the native
// Koffi module", exactly as on a 32-bit ARM Android phone: the fallback that
// follows is droidcheck's real one.

Object.defineProperty(process, 'platform', { value: 'android' });
