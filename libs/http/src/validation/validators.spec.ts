import { validate as indexValidate, type ValidationError } from 'class-validator';
import { Equals, IsEmail, IsIn, IsOptional, IsString, ValidateBy, classValidatorPackage } from './validators';

/** Every decorator validators.ts offers, as the request DTOs use them. */
class Sample {
  @Equals('S256', { message: 'method must be S256' })
  method!: string;

  @IsOptional()
  @IsEmail({}, { message: 'email must be a valid email address' })
  email?: string;

  @IsOptional()
  @IsString({ message: 'name must be a string' })
  name?: string;

  @IsIn(['owner', 'writer', 'reader'], { message: 'role must be one of: owner, writer, reader' })
  role!: string;

  @ValidateBy({ name: 'isShort', validator: { validate: (value: unknown) => typeof value === 'string' && value.length <= 3, defaultMessage: () => 'code must be at most 3 characters' } })
  code!: string;
}

function sample(fields: Record<string, unknown>): Sample {
  return Object.assign(new Sample(), fields);
}

/** What a 400 is made of: which property failed which constraint, with what message. */
function failures(errors: ValidationError[]) {
  return errors.map(({ property, constraints }) => ({ property, constraints }));
}

const VALID = { method: 'S256', email: 'ada@example.com', name: 'laptop', role: 'writer', code: 'abc' };

describe('validators (class-validator, one module at a time)', () => {
  it.each([
    ['a valid object', VALID],
    ['optional fields left out', { method: 'S256', role: 'reader', code: '' }],
    ['every field wrong', { method: 'plain', email: 'nope', name: 7, role: 'admin', code: 'abcd' }],
    ['nothing at all', {}],
    ['an unknown field', { ...VALID, extra: true }],
  ])('finds what the package index finds, with the same messages: %s', async (_, fields) => {
    for (const options of [{}, { whitelist: true }, { whitelist: true, forbidNonWhitelisted: true }]) {
      const ours = await classValidatorPackage.validate(sample(fields), options);
      const index = await indexValidate(sample(fields), options);
      expect(failures(ours)).toEqual(failures(index));
    }
  });

  it('passes a valid object and names each failed field with its own message', async () => {
    expect(await classValidatorPackage.validate(sample(VALID), { whitelist: true })).toEqual([]);
    const errors = await classValidatorPackage.validate(sample({ method: 'plain', email: 'nope', name: 7, role: 'admin', code: 'abcd' }));
    expect(failures(errors)).toEqual([
      { property: 'method', constraints: { equals: 'method must be S256' } },
      { property: 'email', constraints: { isEmail: 'email must be a valid email address' } },
      { property: 'name', constraints: { isString: 'name must be a string' } },
      { property: 'role', constraints: { isIn: 'role must be one of: owner, writer, reader' } },
      { property: 'code', constraints: { isShort: 'code must be at most 3 characters' } },
    ]);
  });

  it('strips unknown fields with whitelist, as the application pipe asks', async () => {
    const object = sample({ ...VALID, extra: true });
    expect(await classValidatorPackage.validate(object, { whitelist: true })).toEqual([]);
    expect(object).not.toHaveProperty('extra');
  });
});
