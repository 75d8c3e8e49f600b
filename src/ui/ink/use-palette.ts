/** The palette for the whole tree; components ask for tones, never for colour names. */
import { createContext, useContext } from 'react';
import { makePalette, type Palette } from './palette.js';

export const PaletteContext = createContext<Palette>(makePalette());

export function usePalette(): Palette {
  return useContext(PaletteContext);
}
