/** A brand voice as GET /api/brand-voices answers it. */
export interface BrandVoice {
  id: number;
  name: string;
  tone: string;
  prefer_words: string[];
  avoid_words: string[];
  example: string;
  is_default: boolean;
}

/** The server's limits for voices (the dashboard keeps no copy of them). */
export interface VoiceLimits {
  voices: number;
  name_chars: number;
  tone_chars: number;
  words: number;
  word_chars: number;
  example_chars: number;
}

export interface VoiceList {
  voices: BrandVoice[];
  limits: VoiceLimits;
}

/** Words typed one per line or separated by commas (Latin or Arabic), trimmed, empties dropped. */
export function splitWords(text: string): string[] {
  return text
    .split(/[,\u060c\n]/)
    .map((w) => w.trim())
    .filter(Boolean);
}
