import { api, errorMessage } from '../api.ts';
import { useAppState } from '../state.tsx';

/** A folder path: typed, or chosen with the shell's native dialog when there is one. */
export function FolderField({
  label,
  name,
  value,
  onChange,
  purpose,
  placeholder,
}: {
  label: string;
  name: string;
  value: string;
  onChange(value: string): void;
  purpose: 'vault' | 'import';
  placeholder: string;
}) {
  const { info, setError } = useAppState();
  const browse = async () => {
    try {
      const { path } = await api.dialogChooseFolder({ purpose });
      if (path !== null) onChange(path);
    } catch (e) {
      setError(errorMessage(e));
    }
  };
  return (
    <div className="folder-field">
      <label>
        {label}
        <input
          name={name}
          value={value}
          onChange={(e) => onChange(e.target.value)}
          placeholder={placeholder}
          required
          autoComplete="off"
          spellCheck={false}
        />
      </label>
      {info?.folderPicker && (
        <button type="button" onClick={() => void browse()}>
          Browse…
        </button>
      )}
    </div>
  );
}
