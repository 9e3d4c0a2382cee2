import { useAppState } from '../state.tsx';

/** The honest one-line description of a tier, shown wherever its results appear. */
export function TierLabel({ tier }: { tier: 'sealed' | 'obfuscated' }) {
  const { info } = useAppState();
  const text = info?.tierLabels[tier];
  return (
    <p className={`tier tier-${tier}`} data-testid={`tier-${tier}`}>
      <strong>{tier === 'sealed' ? 'Sealed tier' : 'Obfuscated tier'}</strong>
      {text ? ` — ${text.replace(/^[^—]*— /, '')}` : ''}
    </p>
  );
}
