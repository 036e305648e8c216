import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';

export interface StoredObject {
  size: number;
  contentType: string | undefined;
  etag: string | undefined;
}

/**
 * The S3 side of attachments: presigned POSTs that S3 itself polices, checks of what was
 * uploaded, and short presigned GETs. Keys are always made by the service.
 */
export class AttachmentStorage {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  /**
   * A form for one object at `key`: its Content-Type exactly `contentType`, its length
   * exactly `size` bytes, no ACL field (the bucket's private default stands), valid
   * `expiresSeconds`. Every form field must be in the policy, so S3 refuses any other.
   */
  async presignPost(key: string, contentType: string, size: number, expiresSeconds: number) {
    return createPresignedPost(this.s3, {
      Bucket: this.bucket,
      Key: key,
      Fields: { 'Content-Type': contentType },
      Conditions: [['content-length-range', size, size]],
      Expires: expiresSeconds,
    });
  }

  async head(key: string): Promise<StoredObject | null> {
    try {
      const h = await this.s3.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { size: h.ContentLength ?? 0, contentType: h.ContentType, etag: h.ETag };
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  /** The first `n` bytes of the object and its ETag (null when there is no object). */
  async firstBytes(
    key: string,
    n: number,
  ): Promise<{ bytes: Uint8Array; etag: string | undefined } | null> {
    try {
      const got = await this.s3.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: key, Range: `bytes=0-${n - 1}` }),
      );
      const bytes = got.Body ? await got.Body.transformToByteArray() : new Uint8Array();
      return { bytes, etag: got.ETag };
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  async read(key: string): Promise<Uint8Array> {
    const got = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    return got.Body ? await got.Body.transformToByteArray() : new Uint8Array();
  }

  async put(key: string, body: Uint8Array, contentType: string): Promise<void> {
    await this.s3.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: contentType }),
    );
  }

  /** Copies `from` to `to` only if `from` still is the version `etag` that was checked. */
  async copyVerified(from: string, to: string, etag: string | undefined): Promise<void> {
    await this.s3.send(
      new CopyObjectCommand({
        Bucket: this.bucket,
        Key: to,
        CopySource: `${this.bucket}/${from.split('/').map(encodeURIComponent).join('/')}`,
        CopySourceIfMatch: etag,
        MetadataDirective: 'COPY',
      }),
    );
  }

  /**
   * Deletes these keys; a key that is already gone is fine. One DeleteObject per key (a few
   * at a time) rather than DeleteObjects, whose checksum rules S3-compatible servers differ on.
   */
  async delete(keys: readonly string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 8) {
      await Promise.all(
        keys
          .slice(i, i + 8)
          .map((Key) => this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key }))),
      );
    }
  }

  /** A GET that answers with this Content-Type and Content-Disposition, valid `expiresSeconds`. */
  presignGet(
    key: string,
    opts: { contentType: string; disposition: string; expiresSeconds: number },
  ): Promise<string> {
    return getSignedUrl(
      this.s3,
      new GetObjectCommand({
        Bucket: this.bucket,
        Key: key,
        ResponseContentType: opts.contentType,
        ResponseContentDisposition: opts.disposition,
      }),
      { expiresIn: opts.expiresSeconds },
    );
  }
}

function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === 'NotFound' || e.name === 'NoSuchKey' || e.$metadata?.httpStatusCode === 404;
}
