/** Wire shapes of the login routes (PROTOCOL.md: Device login, Email-approved device login). */
export interface LoginStartResponse {
  device_code: string;
  user_code: string;
  verification_uri: string;
  expires_in: number;
  interval: number;
}

export interface DeviceStartResponse {
  device_code: string;
  expires_in: number;
  interval: number;
  /** Always true: the answer must not reveal whether the address has an account. */
  email_sent: true;
}

export interface PendingLogin {
  status: 'pending';
}

export interface CompletedLogin {
  status: 'complete';
  api_key: string;
  user_id: string;
  email: string;
  expires_at: string;
}

export type PollResponse = PendingLogin | CompletedLogin;
