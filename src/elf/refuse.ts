// Refusals of layouts the editor will not rewrite (ELF_EDIT_NO_ROOM), and the one next step
// that can still work for the file: patchelf when the file has section headers; when it has
// none patchelf refuses it too, and only a copy with its section headers can be edited.
import { ElfFormatError } from '../errors.js';

/** A layout the writer will not touch; applyElfEdit adds the hint, which depends on the file. */
export function refuseLayout(message: string, hint?: string): ElfFormatError {
  return new ElfFormatError('ELF_EDIT_NO_ROOM', `${message}; this layout cannot be rewritten safely here`, hint === undefined ? {} : { hint });
}

/** What can still edit a file this editor refused. */
export function layoutRefusalHint(hasSectionHeaders: boolean): string {
  return hasSectionHeaders
    ? 'use --patcher patchelf for this file'
    : 'the file has no section headers, which patchelf cannot edit either; use a copy of the library that keeps its section headers (not sstripped)';
}
