import { S3Client } from '@aws-sdk/client-s3';
import type { AppConfig } from '../config/app-config';

export function createS3Client(config: AppConfig): S3Client {
  return new S3Client({
    region: config.s3.region,
    endpoint: config.s3.endpoint,
    // S3-compatible servers (S3Proxy, MinIO) address buckets by path, not by subdomain.
    forcePathStyle: !!config.s3.endpoint,
    credentials: config.s3.credentials,
    maxAttempts: 2,
  });
}
