// Resolve hook for @pexip/infinity-api: its dist imports './token' and
// '../errors' without extensions, which Node's ESM loader refuses.
export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context);
  } catch (error) {
    if (!specifier.startsWith('.'))
      throw error;
    for (const suffix of ['.js', '/index.js']) {
      try {
        return await next(specifier + suffix, context);
      } catch {
        // try the next form
      }
    }
    throw error;
  }
}
