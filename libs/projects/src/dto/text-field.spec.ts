import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { AddMemberDto } from './add-member.dto';
import { CreateProjectDto } from './create-project.dto';
import { textProblem } from './text-field';
import { UpdateProjectDto } from './update-project.dto';
import { UpdateMemberDto } from './update-member.dto';

/** What the app's ValidationPipe does: transform, validate, report the first constraint of the first failing field. */
function check<T extends object>(type: new () => T, body: object): { value: T; message?: string } {
  const value = plainToInstance(type, body);
  const errors = validateSync(value, { whitelist: true });
  const first = errors[0]?.constraints;
  return { value, message: first ? Object.values(first)[0] : undefined };
}

describe('textProblem', () => {
  const name = { min: 1, max: 5 };

  it.each([
    [undefined, 'is required'],
    [null, 'is required'],
    [5, 'must be a string'],
    [['a'], 'must be a string'],
    ['', 'must not be empty'],
    ['abcdef', 'must be at most 5 characters'],
  ])('refuses %p: %s', (value, problem) => {
    expect(textProblem(value, name)).toBe(problem);
  });

  it('accepts the bounds themselves', () => {
    expect(textProblem('a', name)).toBeUndefined();
    expect(textProblem('abcde', name)).toBeUndefined();
    expect(textProblem('', { min: 0, max: 3 })).toBeUndefined();
  });

  it('counts code points, so astral characters count once', () => {
    expect(textProblem('😀'.repeat(5), name)).toBeUndefined();
    expect(textProblem('😀'.repeat(6), name)).toBe('must be at most 5 characters');
    expect(textProblem('a'.repeat(4) + '😀😀', name)).toBe('must be at most 5 characters');
  });

  it('names a non-empty minimum other than 1', () => {
    expect(textProblem('ab', { min: 3, max: 5 })).toBe('must be at least 3 characters');
  });

  it('refuses a huge string without trouble', () => {
    expect(textProblem('x'.repeat(11 * 1024 * 1024), { min: 0, max: 10_000 })).toBe('must be at most 10000 characters');
  });
});

describe('CreateProjectDto', () => {
  it('trims the name', () => {
    const { value, message } = check(CreateProjectDto, { name: '  Team  ' });
    expect(message).toBeUndefined();
    expect(value.name).toBe('Team');
  });

  it.each([
    [{}, 'name is required'],
    [{ name: null }, 'name is required'],
    [{ name: '' }, 'name must not be empty'],
    [{ name: ' \t\n ' }, 'name must not be empty'],
    [{ name: 42 }, 'name must be a string'],
    [{ name: 'x'.repeat(201) }, 'name must be at most 200 characters'],
    [{ name: 'ok', description: 7 }, 'description must be a string'],
    [{ name: 'ok', description: 'd'.repeat(10_001) }, 'description must be at most 10000 characters'],
  ])('refuses %j: %s', (body, expected) => {
    expect(check(CreateProjectDto, body).message).toBe(expected);
  });

  it('accepts 200-character names and 10,000-character descriptions, and leaves descriptions untrimmed', () => {
    const { value, message } = check(CreateProjectDto, { name: 'n'.repeat(200), description: ' d'.repeat(5000) });
    expect(message).toBeUndefined();
    expect(value.description).toBe(' d'.repeat(5000));
  });

  it('allows the description to be absent or null', () => {
    expect(check(CreateProjectDto, { name: 'ok' }).message).toBeUndefined();
    expect(check(CreateProjectDto, { name: 'ok', description: null }).message).toBeUndefined();
  });
});

describe('UpdateProjectDto', () => {
  it('allows every field to be absent or null', () => {
    expect(check(UpdateProjectDto, {}).message).toBeUndefined();
    expect(check(UpdateProjectDto, { name: null, description: null }).message).toBeUndefined();
  });

  it.each([
    [{ name: '' }, 'name must not be empty'],
    [{ name: '   ' }, 'name must not be empty'],
    [{ name: false }, 'name must be a string'],
    [{ description: {} }, 'description must be a string'],
  ])('refuses %j: %s', (body, expected) => {
    expect(check(UpdateProjectDto, body).message).toBe(expected);
  });

  it('accepts an empty description, which clears it', () => {
    expect(check(UpdateProjectDto, { description: '' }).message).toBeUndefined();
  });
});

describe('AddMemberDto and UpdateMemberDto', () => {
  it('trims the email and treats empty email or user_id as absent', () => {
    const { value, message } = check(AddMemberDto, { email: ' a@example.com ', user_id: '  ', role: 'reader' });
    expect(message).toBeUndefined();
    expect(value.email).toBe('a@example.com');
    expect(value.user_id).toBeUndefined();
    expect(check(AddMemberDto, { email: '', user_id: 'u_1', role: 'reader' }).value.email).toBeUndefined();
  });

  it.each([
    [{ email: 'a@example.com' }, 'role must be one of: owner, writer, reader'],
    [{ email: 'a@example.com', role: 'admin' }, 'role must be one of: owner, writer, reader'],
    [{ email: 'a@example.com', role: 'Owner' }, 'role must be one of: owner, writer, reader'],
    [{ email: 'not an email', role: 'reader' }, 'email must be a valid email address'],
    [{ email: 12, role: 'reader' }, 'email must be a valid email address'],
    [{ user_id: 12, role: 'reader' }, 'user_id must be a string'],
  ])('refuses %j: %s', (body, expected) => {
    expect(check(AddMemberDto, body).message).toBe(expected);
  });

  it('accepts each role', () => {
    for (const role of ['owner', 'writer', 'reader']) {
      expect(check(UpdateMemberDto, { role }).message).toBeUndefined();
    }
    expect(check(UpdateMemberDto, {}).message).toBe('role must be one of: owner, writer, reader');
    expect(check(UpdateMemberDto, { role: 3 }).message).toBe('role must be one of: owner, writer, reader');
  });
});
