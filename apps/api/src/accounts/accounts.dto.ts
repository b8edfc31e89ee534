import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  Min,
} from 'class-validator';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, Role, ROLES } from '@app/accounts';

const USERNAME = /^[A-Za-z0-9._@-]{3,64}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;

export class LoginDto {
  @ApiProperty({ example: 'alice' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  username: string;

  @ApiProperty()
  @IsString()
  @IsNotEmpty()
  @MaxLength(PASSWORD_MAX_LENGTH)
  password: string;
}

export class MeView {
  @ApiProperty({ description: '账号 id、API 密钥创建人或 ADMIN_TOKENS 中的操作员 id' })
  operatorId: number;

  @ApiProperty({ enum: ROLES, enumName: 'Role' })
  role: Role;

  @ApiProperty({ enum: ['session', 'api-key', 'admin-token'] })
  via: 'session' | 'api-key' | 'admin-token';

  @ApiPropertyOptional({ description: '登录用户名（仅会话）' })
  username?: string;

  @ApiPropertyOptional({ description: '显示名（仅会话）' })
  displayName?: string;

  @ApiPropertyOptional({
    description: '仅会话：以 Cookie 登录时，每个写请求须在 X-CSRF-Token 头中带上此值',
  })
  csrfToken?: string;
}

export class AccountView {
  @ApiProperty() id: number;
  @ApiProperty() username: string;
  @ApiProperty() displayName: string;
  @ApiProperty({ enum: ROLES, enumName: 'Role' }) role: Role;
  @ApiProperty() disabled: boolean;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'YYYY-MM-DD HH:mm:ss，从未登录为 null',
  })
  lastLoginAt: string | null;
  @ApiProperty() createdAt: string;
}

export class CreateUserDto {
  @ApiProperty({ description: '登录名：3–64 位字母、数字或 . _ @ -', example: 'alice' })
  @IsString()
  @Matches(USERNAME, { message: 'username must be 3–64 letters, digits or . _ @ -' })
  username: string;

  @ApiPropertyOptional({ description: '显示名（默认同登录名）', maxLength: 64 })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  displayName?: string;

  @ApiProperty({
    description: `密码：${PASSWORD_MIN_LENGTH}–${PASSWORD_MAX_LENGTH} 个字符，不含登录名，至少 5 种不同字符`,
  })
  @IsString()
  password: string;

  @ApiProperty({ enum: ROLES, enumName: 'Role' })
  @IsIn([...ROLES])
  role: Role;
}

export class UpdateUserDto {
  @ApiProperty() @IsInt() @Min(1) id: number;

  @ApiPropertyOptional({ maxLength: 64 })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  displayName?: string;

  @ApiPropertyOptional({ description: '新密码（结束该用户的所有会话）' })
  @IsOptional()
  @IsString()
  password?: string;

  @ApiPropertyOptional({ enum: ROLES, enumName: 'Role' })
  @IsOptional()
  @IsIn([...ROLES])
  role?: Role;
}

export class DisableUserDto {
  @ApiProperty() @IsInt() @Min(1) id: number;

  @ApiPropertyOptional({
    description: 'true（默认）停用并立即结束其所有会话；false 重新启用',
    default: true,
  })
  @IsOptional()
  @IsBoolean()
  disabled?: boolean;
}

export class ApiKeyView {
  @ApiProperty() id: number;
  @ApiProperty() name: string;
  @ApiProperty({ description: '密钥前几位，用于辨认' }) prefix: string;
  @ApiProperty({ enum: ROLES, enumName: 'Role' }) role: Role;
  @ApiProperty({ description: '创建人（密钥以其身份记录操作）' }) createdBy: number;
  @ApiProperty() createdAt: string;
  @ApiProperty({ type: String, nullable: true }) expiresAt: string | null;
  @ApiProperty({ type: String, nullable: true }) revokedAt: string | null;
}

export class CreatedApiKeyView extends ApiKeyView {
  @ApiProperty({ description: '密钥本身：只在此时返回一次，服务端只保存其哈希' })
  key: string;
}

export class CreateApiKeyDto {
  @ApiProperty({ description: '用途，如“BI 导出”', maxLength: 64 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  name: string;

  @ApiProperty({ enum: ROLES, enumName: 'Role' })
  @IsIn([...ROLES])
  role: Role;

  @ApiPropertyOptional({
    description: '过期时间 YYYY-MM-DD HH:mm:ss（Asia/Shanghai），不传则不过期',
  })
  @IsOptional()
  @Matches(DATE_TIME, { message: 'expiresAt must be YYYY-MM-DD HH:mm:ss' })
  expiresAt?: string;
}

export class RevokeApiKeyDto {
  @ApiProperty() @IsInt() @Min(1) id: number;
}
