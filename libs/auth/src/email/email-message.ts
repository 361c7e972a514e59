/** One outgoing email: a plain-text body for every client and an HTML one for those that show it. */
export interface EmailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
}
