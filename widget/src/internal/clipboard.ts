/**
 * Copies text. `navigator.clipboard` needs a secure context and may be denied
 * by permissions policy inside a CRM's iframe, so the fallback copies through a
 * temporary textarea and `execCommand('copy')`, which still works in those
 * places. Resolves false when both fail, so the caller can select the text for
 * a manual Ctrl+C. The caller restores focus (the textarea takes it).
 */
export async function copyText(text: string): Promise<boolean> {
  try {
    if (navigator.clipboard?.writeText) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    // Denied or unavailable: try the fallback below.
  }
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  // Off-screen but rendered: a display:none textarea cannot be selected.
  area.style.cssText = 'position:fixed;top:0;left:-9999px;opacity:0';
  // In the light DOM: a selection inside a shadow root is not what execCommand copies in every browser.
  document.body.append(area);
  area.select();
  try {
    return document.execCommand('copy');
  } catch {
    return false;
  } finally {
    area.remove();
  }
}
