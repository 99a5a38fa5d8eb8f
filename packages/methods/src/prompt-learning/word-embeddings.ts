import { Embedding, type Module } from '@peftjs/core';

/**
 * The base model's token embedding, found as PEFT does: `embeddings.word_embeddings` when present,
 * else the first parameter whose first dimension is the vocabulary size.
 */
export function findWordEmbeddings(model: Module, vocabSize: number): Embedding {
  const byName = [...model.namedModules()].find(
    ([name]) => name === 'embeddings.word_embeddings' || name.endsWith('.embeddings.word_embeddings'),
  );
  if (byName && byName[1] instanceof Embedding) return byName[1];
  for (const [name, p] of model.namedParameters()) {
    if (p.shape[0] !== vocabSize) continue;
    const at = name.lastIndexOf('.');
    const owner = at < 0 ? model : model.getSubmodule(name.slice(0, at));
    if (owner instanceof Embedding) return owner;
  }
  throw new Error(`prompt learning: no token embedding with ${vocabSize} rows (vocab_size) found in ${model.constructor.name}`);
}
