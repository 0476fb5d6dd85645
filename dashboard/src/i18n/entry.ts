/** A dictionary entry: one sentence, or its plural forms (chosen by Intl.PluralRules). */
export type Forms = { other: string } & Partial<Record<Intl.LDMLPluralRule, string>>;
export type Entry = string | Forms;
