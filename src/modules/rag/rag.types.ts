import type { RagContentType } from './text/document-text';

export interface RagDocumentRow {
  id: string;
  orgId: string;
  realm: string;
  title: string;
  contentType: RagContentType;
  sourceType: 'api' | 'upload';
  filename: string | null;
  sizeBytes: number;
  chunkCount: number;
  createdAt: string;
  createdBy: string | null;
}

export interface NewChunk {
  id: string;
  ord: number;
  text: string;
  embedding: number[];
}

/** A chunk as search returns it, with its document. */
export interface ChunkHit {
  chunkId: string;
  documentId: string;
  title: string;
  realm: string;
  ord: number;
  text: string;
  createdAt: string;
}

export interface RankedChunk {
  id: string;
  score: number;
}

export interface RagCounts {
  documents: number;
  chunks: number;
  indexedChunks: number;
  pending: number;
  lastIndexedAt: string | null;
}
