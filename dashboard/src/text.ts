/** The text a shopper reads: HTML without its tags. */
export function plainText(html: string): string {
  // Block boundaries become spaces so "</p><p>" does not glue two sentences together.
  const spaced = html.replace(/<\/?(p|li|ul|ol|div|h[1-6]|br|tr|td)\b[^>]*>/gi, " $&");
  const doc = new DOMParser().parseFromString(spaced, "text/html");
  return (doc.body.textContent ?? "").replace(/\s+/g, " ").trim();
}
