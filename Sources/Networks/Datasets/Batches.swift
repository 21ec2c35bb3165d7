import LinearAlgebra

/// Mini-batches: shuffling, the paper's augmentation, and assembly into channel-major tensors.
public enum Batches {
    /// A batch of images (by index into `data`) as a channel-major tensor; with `augment`, each
    /// image is padded by 4 zero pixels, randomly cropped back to its size and flipped
    /// horizontally with probability ½ (He et al. 2016; Chang et al. 2018, §4).
    ///
    /// With `keeping`, only the images at those positions of `indices` are assembled (a
    /// rank's shard of a data-parallel batch, `Shard`); the augmentation of every image is
    /// drawn all the same, so each image is augmented as in the whole batch, whatever the
    /// number of ranks.
    public static func tensor(_ data: Dataset, indices: ArraySlice<Int>, augment: Bool, using g: inout SeededGenerator,
                              keeping: Range<Int>? = nil) -> Tensor<Float> {
        let kept = keeping ?? 0..<indices.count
        precondition(kept.lowerBound >= 0 && kept.upperBound <= indices.count, "Batches: positions \(kept) of a batch of \(indices.count)")
        let n = kept.count, c = data.channels, h = data.height, w = data.width, plane = h * w
        var t = Tensor<Float>(channels: c, batch: n, height: h, width: w)
        t.data.withUnsafeMutableBufferPointer { out in
            data.images.withUnsafeBufferPointer { src in
                for (position, index) in indices.enumerated() {
                    let dy = augment ? Int.random(in: -4...4, using: &g) : 0
                    let dx = augment ? Int.random(in: -4...4, using: &g) : 0
                    let flip = augment && Bool.random(using: &g)
                    guard kept.contains(position) else { continue }
                    let b = position - kept.lowerBound
                    for ch in 0..<c {
                        let image = src.baseAddress! + (index * c + ch) * plane
                        let target = out.baseAddress! + (ch * n + b) * plane
                        for y in 0..<h {
                            let sy = y + dy
                            for x in 0..<w {
                                let sx = (flip ? w - 1 - x : x) + dx
                                target[y * w + x] = sy >= 0 && sy < h && sx >= 0 && sx < w ? image[sy * w + sx] : 0
                            }
                        }
                    }
                }
            }
        }
        return t
    }
}
